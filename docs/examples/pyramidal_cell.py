"""A regular-spiking pyramidal cell at two extracellular Mg2+ levels, in plain Brian2.

Pospischil M, Toledo-Rodriguez M, Monier C, Piwkowska Z, Bal T, Fregnac Y,
Markram H, Destexhe A (2008) Minimal Hodgkin-Huxley type models for different
classes of cortical and thalamic neurons. Biol Cybern 99:427-441.

hypomag's ``PyramidalNeuron`` (the RS cell of that paper with AMPA, NMDA and
GABA_A synapses; NMDA blocked by Mg2+ as in Jahr & Stevens 1990, J Neurosci
10:3178) as an ordinary ``NeuronGroup``, no experiment engine. Two cells, at
Mg_o 0.1 and 1 mM, get the same excitatory Poisson input: with less Mg the
NMDA current is less blocked, so the cell depolarises more and fires more.
Run ``python docs/examples/pyramidal_cell.py [FIGURE.png]``.
"""
import sys

import matplotlib.pyplot as plt
from brian2 import (Hz, Network, PoissonGroup, SpikeMonitor, StateMonitor, Synapses,
                    defaultclock, mM, ms, mV, seed)

from models.neuron import ON_PRE_EXC, PyramidalNeuron

seed(1)
defaultclock.dt = 0.025 * ms                      # exponential Euler step (default 0.1 ms)
MG_O = [0.1, 1.0] * mM                            # extracellular Mg2+ of the two cells
DURATION = 500 * ms
cells = PyramidalNeuron().build_group(2, Mg_o=MG_O)  # both at their resting potential
inputs = PoissonGroup(40, rates=10 * Hz)          # 40 excitatory afferents, 10 Hz each
synapses = Synapses(inputs, cells, "w : 1", on_pre=ON_PRE_EXC)
synapses.connect()                                # every afferent onto both cells
synapses.w = 1                                    # one unitary AMPA + NMDA conductance
spikes = SpikeMonitor(cells)
trace = StateMonitor(cells, "v", record=True)
Network(cells, inputs, synapses, spikes, trace).run(DURATION)

for mg, count in zip(MG_O, spikes.count):
    print(f"Mg_o = {mg / mM:g} mM: {count} spikes in {DURATION / ms:g} ms")
fig, ax = plt.subplots(figsize=(7, 3))
for k, mg in enumerate(MG_O):
    ax.plot(trace.t / ms, trace.v[k] / mV, lw=0.8, label=f"Mg$_o$ = {mg / mM:g} mM")
ax.set(xlabel="time (ms)", ylabel="membrane potential (mV)",
       title="RS pyramidal cell (Pospischil et al. 2008), same synaptic input")
ax.legend(loc="upper right", framealpha=1)
fig.tight_layout()
path = sys.argv[1] if len(sys.argv) > 1 else "pyramidal_cell.png"
fig.savefig(path)
print(f"figure: {path}")
if plt.get_backend().lower() != "agg":  # Agg (MPLBACKEND=Agg, no display): file only
    plt.show()
