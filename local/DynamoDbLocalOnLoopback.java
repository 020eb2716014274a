import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

/**
 * Starts DynamoDB Local listening on 127.0.0.1 only. Its jar has no host option: its server builds
 * a Jetty connector on every interface, which would put the contacts table on the network with
 * well-known credentials. This does what ServerRunner.main does, but binds the connector to
 * loopback before it starts, and answers only the SDK clients of this machine (see
 * {@link OnlyThisMachine}); telemetry is never configured, so nothing is sent. Compiled once (needs
 * a JDK) by local/dynamodb-local.ts.
 */
public class DynamoDbLocalOnLoopback {
  public static void main(String[] args) throws Exception {
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
    Field field = DynamoDBProxyServer.class.getDeclaredField("server");
    field.setAccessible(true);
    Server server = (Server) field.get(proxy);
    for (Connector connector : server.getConnectors()) {
      ((ServerConnector) connector).setHost("127.0.0.1");
    }
    server.setHandler(new OnlyThisMachine(server.getHandler()));
    proxy.start();
  }

  /**
   * Loopback is not enough: a web page can reach it too, from a name rebound to 127.0.0.1 (its
   * Host header names that) or by a cross-site request (the browser sends Origin or
   * Sec-Fetch-Site). SDK clients send neither and address 127.0.0.1; the same rule as
   * local/loopback-only.ts, which guards the runtime's other endpoints.
   */
  static final class OnlyThisMachine extends Handler.Wrapper {
    private static final Pattern LOOPBACK_HOST =
        Pattern.compile("^(?:127\\.0\\.0\\.1|localhost|\\[::1\\])(?::\\d{1,5})?$", Pattern.CASE_INSENSITIVE);

    OnlyThisMachine(Handler handler) {
      super(handler);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
      String host = request.getHeaders().get("Host");
      String fetchSite = request.getHeaders().get("Sec-Fetch-Site");
      boolean fromThisMachine = host != null && LOOPBACK_HOST.matcher(host).matches();
      boolean fromAPage =
          request.getHeaders().get("Origin") != null || (fetchSite != null && !fetchSite.equals("none"));
      if (fromThisMachine && !fromAPage) return super.handle(request, response, callback);
      String reason =
          fromThisMachine
              ? "DynamoDB Local answers no request a web page sends (Origin or Sec-Fetch-Site)"
              : "DynamoDB Local answers only requests addressed to 127.0.0.1, localhost or [::1]";
      byte[] body =
          ("{\"__type\":\"com.amazonaws.dynamodb.v20120810#AccessDeniedException\",\"message\":\""
                  + reason
                  + "\"}")
              .getBytes(StandardCharsets.UTF_8);
      response.setStatus(403);
      response.getHeaders().put("Content-Type", "application/x-amz-json-1.0");
      response.write(true, ByteBuffer.wrap(body), callback);
      return true;
    }
  }
}
