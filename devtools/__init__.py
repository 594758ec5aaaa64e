"""The rigs, apart from the product: the i-MSCP panel emulator (the demo's panel and the
tests'), the demo's data, the soak and a qcluster child process. `provisioning` imports
nothing from here."""
