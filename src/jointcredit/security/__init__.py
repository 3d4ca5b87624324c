"""Cryptography of the platform: canonical digests, receipt signatures, sealed reporter data.

Only well-kept primitives are used (hashlib, ``cryptography``); nothing here is home-made
cryptography, only the choice of what is hashed, signed or sealed and how keys are kept.
"""
