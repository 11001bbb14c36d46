"""The import framework: Magento-2-CSV-compatible, declarative, set-based and fast."""
