// Typeset the TeX that pymdownx.arithmatex marks, on every page load, including Material's
// instant navigation. KaTeX itself is vendored in docs/assets/katex (the katex package from
// the npm registry, MIT licence), so maths renders offline.
document$.subscribe(({ body }) => {
  renderMathInElement(body, {
    delimiters: [
      { left: "\\(", right: "\\)", display: false },
      { left: "\\[", right: "\\]", display: true },
    ],
    throwOnError: false,
  });
});
