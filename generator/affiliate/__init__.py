"""The affiliate side: signed click links, revenue reports (Shopello v3, Shopper) and the sales file.
"""
