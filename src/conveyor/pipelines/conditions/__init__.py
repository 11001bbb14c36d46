"""The built-in conditions, one module each, registered as ``conveyor.pipeline_conditions`` entry points."""
