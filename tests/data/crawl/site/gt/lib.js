/* an external script of the chain */
var lib = 1;
