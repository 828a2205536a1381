; Struct, union and enum definitions (with a body), at any depth.
(struct_specifier name: (type_identifier) @struct.name body: (field_declaration_list) @struct.body) @struct
(union_specifier name: (type_identifier) @union.name body: (field_declaration_list) @union.body) @union
(enum_specifier body: (enumerator_list) @enum.body) @enum
