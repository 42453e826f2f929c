print("rate: not yet")
