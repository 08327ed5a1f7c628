import sys, time, tempfile, io
from pathlib import Path
sys.path.insert(0, ".")
from bench_reload import copy_demo
from generator.commands.serve import DevServer
from generator.config import load_config
from generator.reporting import Reporter
with tempfile.TemporaryDirectory(dir=".", prefix=".bench-") as tmp:
    root = Path(tmp); edited = copy_demo(root)
    s = DevServer(load_config(root), port=0, reporter=Reporter(verbosity=2, stream=sys.stdout)); s.start()
    orig = edited.read_text()
    for i in range(5):
        v = s.epochs.visible
        t0 = time.perf_counter(); edited.write_text(orig + f"\nx{i}\n")
        while s.epochs.wanted == v: time.sleep(0.001)
        t1 = time.perf_counter()
        while s.epochs.visible == v: time.sleep(0.001)
        print(f"event {1000*(t1-t0):.0f} ms, built {1000*(time.perf_counter()-t0):.0f} ms")
        time.sleep(0.3)
    s.close()
