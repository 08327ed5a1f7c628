"""What happens to a finished build: sitemap and search index, the secret check, deploy, the dev server.
"""
