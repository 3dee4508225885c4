"""The chat's protocol, shared by the bot and the workers: buttons and their callback data.

chat.callbacks  the one callback-data codec (Kind, encode, decode; 64-byte limit)
chat.keyboards  every inline keyboard, as rows of chat.callbacks.Button
"""
