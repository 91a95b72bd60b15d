"""tesskit trainer: fine-tune Tesseract LSTM models with the real training tools."""

__version__ = "0.1.0"
