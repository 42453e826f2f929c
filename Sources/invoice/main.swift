print("invoice: not yet")
