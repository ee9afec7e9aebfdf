import { domAnimation } from "framer-motion";

// Loaded after the page is interactive (see app/providers.tsx): the animation
// engine is not needed to show anything, only to move it.
export default domAnimation;
