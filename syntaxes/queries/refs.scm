; Direct calls and names used as values (candidates for "address taken").

(call_expression function: (identifier) @call.callee arguments: (argument_list) @call.args)

(initializer_pair value: (identifier) @ref)
(initializer_pair value: (pointer_expression operator: "&" argument: (identifier) @ref))
(initializer_list (identifier) @ref)
(init_declarator value: (identifier) @ref)
(init_declarator value: (pointer_expression operator: "&" argument: (identifier) @ref))
(argument_list (identifier) @ref)
(argument_list (pointer_expression operator: "&" argument: (identifier) @ref))
(argument_list (cast_expression value: (identifier) @ref))
(assignment_expression right: (identifier) @ref)
(assignment_expression right: (pointer_expression operator: "&" argument: (identifier) @ref))
(assignment_expression right: (cast_expression value: (identifier) @ref))
(return_statement (identifier) @ref)
(conditional_expression consequence: (identifier) @ref)
(conditional_expression alternative: (identifier) @ref)

; Names declared inside functions (parameters and locals): never function references.
(parameter_declaration declarator: (_) @local)
(compound_statement (declaration declarator: (_) @local))
