"""How nets run: device, precision, memory layout, compilation and torchrun/DDP processes."""
