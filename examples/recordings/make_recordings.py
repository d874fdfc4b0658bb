#!/usr/bin/python3
"""Writes one small recording in four formats for `dnncrit raster`
(README "Your own recordings"):

  spikes.csv   spike-time list, rows "time,unit" (seconds, unit id)
  raster.csv.gz  dense raster (gzip), rows = 4 ms time bins, columns = units (0/1 counts)
  raster.npy   the same raster as a NumPy uint8 array of units x time bins
               (read with --transpose)
  spikes.nwb   the spike times as an NWB Units table: units/spike_times with
               its ragged index units/spike_times_index (HDF5, via h5py)

The activity is a driven branching process (A_{t+1} ~ Poisson(m A_t + h),
m = 0.9, h = 0.05) spread over 8 units, 4 ms bins, 1500 bins. Spike times are
placed strictly inside their bins (bin + U[0.1, 0.9]) * 4 ms, except the first
spike at exactly t = 0, so that binning the spike times at --bin-width 0.004
from the earliest spike gives the dense raster bin for bin; the last bin
holds a spike too, so both end at the same bin.

Needs Debian's python3-numpy and python3-h5py. Run from anywhere:
    /usr/bin/python3 examples/recordings/make_recordings.py
"""
import gzip
import os

import h5py
import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(2018)
units, bins, dt, m, h = 8, 1500, 0.004, 0.9, 0.05

raster = np.zeros((bins, units), dtype=np.uint8)
a = 0
for t in range(bins):
    a = min(rng.poisson(m * a + h), units)
    if t in (0, bins - 1):
        a = max(a, 1)  # both ends active: the spike list spans all bins
    raster[t, rng.choice(units, size=a, replace=False)] = 1

t_idx, u_idx = np.nonzero(raster)
times = (t_idx + rng.uniform(0.1, 0.9, size=t_idx.size)) * dt
times[0] = 0.0  # the earliest spike starts the first bin exactly

with gzip.GzipFile(os.path.join(here, "raster.csv.gz"), "wb", mtime=0) as f:
    np.savetxt(f, raster, fmt="%d", delimiter=",",
               header=",".join(f"u{i}" for i in range(units)), comments="")
np.save(os.path.join(here, "raster.npy"), raster.T.copy())
order = np.argsort(times, kind="stable")
with open(os.path.join(here, "spikes.csv"), "w") as f:
    f.write("time,unit\n")
    for i in order:
        f.write(f"{times[i]:.6f},{u_idx[i]}\n")

# NWB Units table: spike times grouped by unit, index = end of each unit's run
per_unit = [np.sort(np.round(times[u_idx == u], 6)) for u in range(units)]
with h5py.File(os.path.join(here, "spikes.nwb"), "w", libver="latest") as f:
    f.attrs["nwb_version"] = "2.5.0"
    g = f.create_group("units")
    g.attrs["colnames"] = np.array([b"spike_times"])
    g.attrs["description"] = "driven branching process, m = 0.9 (dnncrit example)"
    g.create_dataset("id", data=np.arange(units, dtype=np.int64))
    g.create_dataset("spike_times", data=np.concatenate(per_unit).astype(np.float64))
    g.create_dataset("spike_times_index",
                     data=np.cumsum([len(s) for s in per_unit]).astype(np.uint64))
print(f"{int(raster.sum())} spikes, {units} units, {bins} bins of {dt} s")
