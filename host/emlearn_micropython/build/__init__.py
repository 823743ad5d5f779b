"""Building and packaging: the ABI/arch table (abi), which compilers this
machine has (toolchains), the link front end to MicroPython's mpy_ld that adds
libgcc helpers (natmod_link, with the archive/ELF reading in elfobj), reading
.mpy headers (inspect_mpy) and the per-arch mip package and release archive
(release). Nothing here talks to a device."""
