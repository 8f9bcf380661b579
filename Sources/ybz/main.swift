print("ybz")
