"""Wire models: msgspec Structs named after the reference schemas, one module per resource."""
