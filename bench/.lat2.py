import sys, time, tempfile
from pathlib import Path
sys.path.insert(0, ".")
from bench_reload import copy_demo, CHROMIUM_ARGS
from generator.commands.serve import DevServer
from generator.config import load_config
from generator.reporting import Reporter
from playwright.sync_api import sync_playwright
with tempfile.TemporaryDirectory(dir=".", prefix=".bench-") as tmp:
    root = Path(tmp); edited = copy_demo(root)
    s = DevServer(load_config(root), port=0, reporter=Reporter(verbosity=0)); s.start()
    orig = edited.read_text()
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = b.new_page()
        page.on("request", lambda r: print("  req", f"{(time.perf_counter()-T[0])*1000:.0f}", r.url[-40:]))
        T=[time.perf_counter()]
        page.goto(s.url + "om/"); page.wait_for_timeout(300)
        for i in range(4):
            v = s.epochs.visible
            with page.expect_event("load"):
                T[0] = t0 = time.perf_counter(); edited.write_text(orig + f"\nx{i}\n")
                while s.epochs.visible == v: time.sleep(0.001)
                t1 = time.perf_counter()
            t2 = time.perf_counter()
            nav = page.evaluate("JSON.stringify(performance.getEntriesByType('navigation')[0].toJSON(), ['fetchStart','responseStart','responseEnd','domContentLoadedEventEnd','loadEventStart'])")
            print(f"visible {1000*(t1-t0):.0f} load {1000*(t2-t0):.0f}", nav)
            page.wait_for_timeout(200)
        b.close()
    s.close()
