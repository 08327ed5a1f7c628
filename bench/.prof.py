import cProfile, pstats, sys, time
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
from bench_build import make_site
from generator.commands.build import build
from generator.config import load_config
from generator.reporting import Reporter
root = Path(__file__).parent / ".bench-prof"
if not root.exists():
    make_site(root, 10000)
config = load_config(root)
q = Reporter(verbosity=0)
build(config, reporter=q)
t = time.perf_counter(); build(config, reporter=q); print("nochange", time.perf_counter() - t)
cProfile.run("build(config, reporter=q)", "/work/wt-serve/bench/.prof.out")
pstats.Stats("/work/wt-serve/bench/.prof.out").sort_stats("cumulative").print_stats(25)
