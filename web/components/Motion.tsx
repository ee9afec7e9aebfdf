"use client";

import { LazyMotion, MotionConfig } from "framer-motion";
import type { ReactNode } from "react";

const loadFeatures = () => import("@/lib/motion-features").then((module) => module.default);

/**
 * Where something animates: motion follows the visitor's reduced-motion
 * setting, and the animation engine arrives in a chunk of its own. Kept
 * around the animated components rather than the whole site, so pages
 * without motion (the home feed) carry none of its code.
 */
export function Motion({ children }: { children: ReactNode }) {
  return (
    <MotionConfig reducedMotion="user">
      <LazyMotion features={loadFeatures} strict>
        {children}
      </LazyMotion>
    </MotionConfig>
  );
}
