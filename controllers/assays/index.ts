/** The assays controller, for `joey controller` and `joey server`: `new AssayController(assaysOf(engine)).start()`. */
export { AssayController, type AssayControllerOptions, type AssayClock } from './controller.js';
