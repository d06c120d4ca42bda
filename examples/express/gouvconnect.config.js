'use strict';
// The options this example gives to auth(), from the example contract's environment, for
// `npx gouvconnect doctor` (its default file name): the going-live checks of exactly what the
// app mounts.
module.exports = require('./app').configFromEnv(process.env);
