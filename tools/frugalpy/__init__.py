"""Python side of frugal: GGUF I/O, numpy quantization oracles, PyTorch reference models."""
