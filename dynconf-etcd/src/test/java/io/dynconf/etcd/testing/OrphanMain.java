package io.dynconf.etcd.testing;

/**
 * Started in a child JVM by {@link ProcessCleanupTest}: starts a cluster, prints the etcd PID and
 * the cluster directory, then waits to be killed.
 */
public final class OrphanMain {
  private OrphanMain() {}

  public static void main(String[] args) throws Exception {
    EtcdCluster cluster = EtcdCluster.single();
    System.out.println("PID " + cluster.member(0).pid().orElseThrow());
    System.out.println("DIR " + cluster.directory());
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE); // until the test kills this JVM
  }
}
