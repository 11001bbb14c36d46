"""The catalog store: stores, attributes, products, categories, customers, orders, stock and prices."""
