"""jointcredit: the credit information sharing platform of 国发〔2016〕33号."""

__version__ = "0.1.0"
