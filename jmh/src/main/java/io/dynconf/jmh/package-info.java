/**
 * Benchmarks. Each class's javadoc shows the command that runs it; figures go to BENCHMARKS.md
 * with the machine and the peers measured in the same run.
 */
@NullMarked
package io.dynconf.jmh;

import org.jspecify.annotations.NullMarked;
