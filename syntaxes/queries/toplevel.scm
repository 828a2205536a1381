; Top-level items of a C file: function definitions and file-scope declarations.
; Declarations nested in preprocessor conditionals or error-recovery nodes still count as file scope;
; those inside function bodies (compound_statement) do not.

(function_definition
  body: (compound_statement)) @function

(translation_unit (declaration) @declaration)
(preproc_if (declaration) @declaration)
(preproc_ifdef (declaration) @declaration)
(preproc_else (declaration) @declaration)
(preproc_elif (declaration) @declaration)
(preproc_elifdef (declaration) @declaration)
(ERROR (declaration) @declaration)

; `SYSCALL_DEFINE3(socket, int, family, …) { … }` and other function-defining macros parse as a call
; statement followed by a block.
((expression_statement (call_expression function: (identifier) @macro_fn.macro arguments: (argument_list) @macro_fn.args)) @macro_fn.head
 .
 (compound_statement) @macro_fn.body)
