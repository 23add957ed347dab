"""Citations used by more than one module, one constant each.

A source cited in one module only stays in that module, next to the values it
supports; a source cited by several modules is defined here once, so its text
(which ``hypomag channels`` and docs/parameters.md print) cannot drift apart.

References
----------
Brunel N, Wang XJ (2001) Effects of neuromodulation in a cortical network model
of object working memory dominated by recurrent inhibition. J Comput Neurosci
11:63-85.
"""
from __future__ import annotations

#: Leak, AMPA, NMDA and GABA-A values of the cortical cells of Brunel & Wang (2001).
BRUNEL_WANG_2001 = "Brunel & Wang 2001 J Comput Neurosci 11:63"
