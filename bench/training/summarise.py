"""Summarises a compare.sh run directory as a markdown table (Debian python3, no deps)."""
import json, re, sys, os

out = sys.argv[1]
def read_time(name):
    e, u, s = open(os.path.join(out, name)).read().split()[-3:]
    return float(e), float(u) + float(s)

ours = json.load(open(os.path.join(out, 'ours.json')))
ow, oc = read_time('ours.time')
rw, rc = read_time('ref.time')
ref_log_path = re.search(r'log: (\S+)', open(os.path.join(out, 'ref.log')).read()).group(1)
ref_log = open(ref_log_path).read()
# per-batch wall times of the training batches: "Epoch: [e][i/n]\tTime val (avg)"
batches = {}
for m in re.finditer(r'Epoch: \[(\d+)\]\[(\d+)/(\d+)\]\tTime ([\d.]+)', ref_log):
    batches.setdefault(int(m.group(1)), []).append(float(m.group(4)))
ntrain = ours['split']['train']
ref_epoch_train = {e: sum(t) for e, t in batches.items()}
steady = [ref_epoch_train[e] for e in sorted(ref_epoch_train) if e >= 1]
ref_sps = ntrain * len(steady) / sum(steady) if steady else float('nan')
ours_steady = [e for e in ours['epochs'] if e['epoch'] >= 1]
ours_sps = sum(e['trainStructuresPerSecond'] for e in ours_steady) / max(len(ours_steady), 1)
ref_mae = float(re.findall(r'\*\* MAE ([\d.]+)', ref_log)[-1])
print(f"| implementation | epochs | wall total (s) | CPU total (s) | train structures/s, epochs ≥ 2 (wall) | test MAE (eV/atom) |")
print("| --- | --- | --- | --- | --- | --- |")
print(f"| Latticework, {ours['backend']} | {len(ours['epochs'])} | {ow:.0f} | {oc:.0f} | {ours_sps:.1f} | {ours['testMae']:.3f} |")
flushed = ' with flush-to-zero' if os.environ.get('LW_REF_FLUSH_DENORMAL') == '1' else ''
print(f"| CGCNN main.py{flushed}, torch 1.13 | {len(batches)} | {rw:.0f} | {rc:.0f} | {ref_sps:.1f} | {ref_mae:.3f} |")
print(f"ratio (ours / reference): throughput {ours_sps / ref_sps:.2f}×, CPU time {oc / rc:.2f}×, wall {ow / rw:.2f}×")
