"""Source sync: sources, the ERP simulator, sync handlers, event-driven sync (EDS) and change sets."""
