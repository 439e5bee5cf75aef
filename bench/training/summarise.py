"""Summarises a compare.sh run directory as a markdown table (Debian python3, no deps).

Reads ours.json/ours.time and every reference run it finds (ref.log/ref.time: main.py as
published; ref-flush.log/ref-flush.time: main.py with torch.set_flush_denormal(True)). The time
files hold `%e %U %S %M` of /usr/bin/time (wall, user, system seconds, peak RSS in KiB)."""
import json, re, sys, os

out = sys.argv[1]
def read_time(name):
    f = open(os.path.join(out, name)).read().split()
    e, u, s, m = (f[-4:] if len(f) >= 4 else f[-3:] + ['nan'])
    return float(e), float(u) + float(s), float(m) / 1024

ours = json.load(open(os.path.join(out, 'ours.json')))
ow, oc, om = read_time('ours.time')
ntrain = ours['split']['train']
ours_steady = [e for e in ours['epochs'] if e['epoch'] >= 1]
ours_sps = sum(e['trainStructuresPerSecond'] for e in ours_steady) / max(len(ours_steady), 1)

def reference(name):
    if not os.path.exists(os.path.join(out, f'{name}.time')):
        return None
    rw, rc, rm = read_time(f'{name}.time')
    ref_log_path = re.search(r'log: (\S+)', open(os.path.join(out, f'{name}.log')).read()).group(1)
    ref_log = open(ref_log_path).read()
    # per-batch wall times of the training batches: "Epoch: [e][i/n]\tTime val (avg)"
    batches = {}
    for m in re.finditer(r'Epoch: \[(\d+)\]\[(\d+)/(\d+)\]\tTime ([\d.]+)', ref_log):
        batches.setdefault(int(m.group(1)), []).append(float(m.group(4)))
    steady = [sum(batches[e]) for e in sorted(batches) if e >= 1]
    sps = ntrain * len(steady) / sum(steady) if steady else float('nan')
    mae = float(re.findall(r'\*\* MAE ([\d.]+)', ref_log)[-1])
    return dict(epochs=len(batches), wall=rw, cpu=rc, rss=rm, sps=sps, mae=mae)

refs = [(label, r) for label, r in (('CGCNN main.py as published, torch 1.13', reference('ref')),
                                    ('CGCNN main.py with flush-to-zero, torch 1.13', reference('ref-flush'))) if r]
workers = ours.get('workers', 1)
print("| implementation | epochs | wall total (s) | CPU total (s) | peak RSS (MiB) | train structures/s, epochs ≥ 2 (wall) | test MAE (eV/atom) |")
print("| --- | --- | --- | --- | --- | --- | --- |")
print(f"| Latticework, {ours['backend']}, {workers} worker(s) | {len(ours['epochs'])} | {ow:.0f} | {oc:.0f} | {om:.0f} | {ours_sps:.1f} | {ours['testMae']:.4f} |")
for label, r in refs:
    print(f"| {label} | {r['epochs']} | {r['wall']:.0f} | {r['cpu']:.0f} | {r['rss']:.0f} | {r['sps']:.1f} | {r['mae']:.4f} |")
if refs:
    label, best = max(refs, key=lambda lr: lr[1]['sps'])
    print(f"ratio (ours / fastest reference: {label}): throughput {ours_sps / best['sps']:.2f}× (goal ≥ 1.5×), "
          f"peak memory {om / best['rss']:.2f}× (goal ≤ 1×), CPU time {oc / best['cpu']:.2f}×, wall {ow / best['wall']:.2f}×")
