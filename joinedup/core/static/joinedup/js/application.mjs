// Starts the GOV.UK Frontend components (progressive enhancement: every page works without it).
import { initAll } from "../../govuk/govuk-frontend.min.js";

initAll();
