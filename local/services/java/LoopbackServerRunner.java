import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

/**
 * Starts DynamoDB Local like its own main class does, but listening on 127.0.0.1 only: its
 * DynamoDBProxyServer builds a Jetty server on all interfaces and offers no host option, so the
 * connector's host is set before the server starts. Run in Java's source-file mode (no build step):
 *
 *   java -cp DynamoDBLocal.jar:DynamoDBLocal_lib/* LoopbackServerRunner.java -port 8000 -inMemory ...
 *
 * Telemetry is never configured here, so none is sent. Exits with status 3 when the server it gets
 * has no connector to bind (a DynamoDB Local this was not written for).
 */
public class LoopbackServerRunner {
  public static void main(String[] args) throws Exception {
    String host = System.getProperty("dynamodb.local.host", "127.0.0.1");
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
    Field field = DynamoDBProxyServer.class.getDeclaredField("server");
    field.setAccessible(true);
    Server jetty = (Server) field.get(proxy);
    int bound = 0;
    for (Connector connector : jetty.getConnectors()) {
      if (connector instanceof ServerConnector serverConnector) {
        serverConnector.setHost(host);
        bound++;
      }
    }
    if (bound == 0) {
      System.err.println("LoopbackServerRunner: DynamoDB Local's Jetty server has no ServerConnector to bind");
      System.exit(3);
    }
    proxy.start();
  }
}
