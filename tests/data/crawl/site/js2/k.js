/* a script added by a script */
var k = 1;
