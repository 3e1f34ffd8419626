/** Strings a hostile or broken server could put into details, evidence and model output. */
export const SCRIPT_TAG = '<script>alert(1)</script>';
export const IMG_TAG = '<img src=x onerror=alert(1)>';
export const HOSTILE =
  `${SCRIPT_TAG} ${IMG_TAG} </script><script>alert(2)</script> & &amp; "double" 'single' ` +
  '<!-- comment --> ]]> \u0000nul \u001b[31mansi\u0007bell \ud800lone \u2028sep \ufffe';
