; What the indirect-call resolution needs: calls through struct members, stores into struct
; members, compound literals, typedefs.

; `a->b->f(…)`, `a.f(…)`, `(*a->f)(…)`, `READ_ONCE(a->f)(…)`
(call_expression function: (field_expression) @mcall.fn arguments: (argument_list) @mcall.args)
(call_expression function: (parenthesized_expression) @mcall.fn arguments: (argument_list) @mcall.args)
(call_expression function: (call_expression) @mcall.fn arguments: (argument_list) @mcall.args)

; `x->field = fn;`, `x.field = &fn;`, `x->field = param;`
(assignment_expression left: (field_expression) @assign.lhs right: (_) @assign.rhs)

; `(struct net_protocol){ .handler = tcp_v4_rcv, … }`
(compound_literal_expression type: (type_descriptor) @literal.type value: (initializer_list) @literal.value)

; `typedef struct foo foo_t;`
(type_definition type: (_) @typedef.type declarator: (_) @typedef.name)

; `fp = READ_ONCE(x->field);`: a local function pointer loaded from a member (called later as `fp(…)`)
(assignment_expression left: (identifier) @assignvar.lhs right: (_) @assignvar.rhs)

; `return br_handle_frame;`: a function handing out a function
(return_statement (identifier) @return.value)

; `struct netlink_kernel_cfg cfg = { .input = sock_diag_rcv };` inside a function
(compound_statement
  (declaration type: (struct_specifier) declarator: (init_declarator value: (initializer_list))) @local_instance)
