// lrs-bridge browser runtime, v1: window.LrsBridge.start(launchAnswer, options) installs the SCORM API
// for the content frame and posts its commits to the bridge (see js/README.md and docs/).

import { DEFAULTS, start } from "./launch.js";

const LrsBridge = {
  version: "1",
  defaults: DEFAULTS,
  current: null,
  start(answer, options) {
    LrsBridge.current = start(answer, options);
    return LrsBridge.current;
  },
};

window.LrsBridge = LrsBridge;
