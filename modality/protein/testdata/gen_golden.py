"""Golden values for modality/protein: backbone dihedrals and bond angles of
testdata/1BXY_A.pdb, and a Kabsch superposition, computed with numpy only
(independently of the Go code: SVD-based Kabsch with the reflection fix).

Run from this directory: /usr/bin/python3 gen_golden.py  (writes golden.json)
"""
import json

import numpy as np


def read_backbone(path):
    """N, CA, C of each residue of the first model, keeping the first altloc."""
    res = {}
    order = []
    for line in open(path):
        if not line.startswith("ATOM"):
            continue
        name = line[12:16].strip()
        if name not in ("N", "CA", "C"):
            continue
        key = (line[21], int(line[22:26]), line[26])
        if key not in res:
            res[key] = {}
            order.append(key)
        if name in res[key]:
            continue
        res[key][name] = [float(line[30:38]), float(line[38:46]), float(line[46:54])]
    return np.array([[res[k]["N"], res[k]["CA"], res[k]["C"]] for k in order], dtype=np.float64)


def dihedral(a, b, c, d):
    b0, b1, b2 = a - b, c - b, d - c
    b1n = b1 / np.linalg.norm(b1)
    v = b0 - np.dot(b0, b1n) * b1n
    w = b2 - np.dot(b2, b1n) * b1n
    return float(np.arctan2(np.dot(np.cross(b1n, v), w), np.dot(v, w)))


def angle(a, b, c):
    u, v = a - b, c - b
    return float(np.arccos(np.clip(np.dot(u, v) / np.linalg.norm(u) / np.linalg.norm(v), -1, 1)))


def kabsch_rmsd(p, q):
    pc, qc = p - p.mean(0), q - q.mean(0)
    h = pc.T @ qc
    u, s, vt = np.linalg.svd(h)
    d = np.sign(np.linalg.det(vt.T @ u.T))
    r = vt.T @ np.diag([1, 1, d]) @ u.T
    diff = (r @ pc.T).T - qc
    return float(np.sqrt((diff ** 2).sum(1).mean())), r


bb = read_backbone("1BXY_A.pdb")
n = len(bb)
phi = [dihedral(bb[i - 1, 2], bb[i, 0], bb[i, 1], bb[i, 2]) for i in range(1, n)]
psi = [dihedral(bb[i, 0], bb[i, 1], bb[i, 2], bb[i + 1, 0]) for i in range(n - 1)]
omega = [dihedral(bb[i, 1], bb[i, 2], bb[i + 1, 0], bb[i + 1, 1]) for i in range(n - 1)]
n_ca_c = [angle(bb[i, 0], bb[i, 1], bb[i, 2]) for i in range(n)]
ca_c_n = [angle(bb[i, 1], bb[i, 2], bb[i + 1, 0]) for i in range(n - 1)]
c_n_ca = [angle(bb[i, 2], bb[i + 1, 0], bb[i + 1, 1]) for i in range(n - 1)]

rng = np.random.default_rng(7)
ca = bb[:, 1]
q, _ = np.linalg.qr(rng.normal(size=(3, 3)))
if np.linalg.det(q) < 0:
    q[:, 0] = -q[:, 0]
target = (q @ ca.T).T + np.array([3.0, -2.0, 5.0]) + rng.normal(scale=0.5, size=ca.shape)
rmsd, _ = kabsch_rmsd(ca, target)
mirrored = ca * np.array([-1.0, 1.0, 1.0])
rmsd_mirror, _ = kabsch_rmsd(mirrored, ca)

json.dump({
    "residues": n,
    "phi": phi, "psi": psi, "omega": omega,
    "n_ca_c": n_ca_c, "ca_c_n": ca_c_n, "c_n_ca": c_n_ca,
    "kabsch_target": target.tolist(), "kabsch_rmsd": rmsd,
    "mirror_rmsd": rmsd_mirror,
}, open("golden.json", "w"), indent=1)
