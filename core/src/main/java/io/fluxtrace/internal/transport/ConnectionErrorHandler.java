package io.fluxtrace.internal.transport;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpResponse;
import java.io.IOException;
import reactor.core.publisher.Sinks;
import reactor.netty.channel.ChannelOperations;

/**
 * Takes the errors of one request's connection before Reactor Netty sees them, from the moment the request is sent
 * until its response starts: a reset, a hang-up, any exception. Reactor Netty would log each of them with its stack
 * trace at WARN ("The connection observed an error"), outside any rate limit, and then fail the request; here the
 * request is failed with the same error through {@code errors}, the transport logs a rate-limited line, and the
 * connection is closed quietly. Once the response has started, errors go their usual way (they fail reading the
 * body, which the exporters handle).
 *
 * <p>Confined to the connection's event loop, like every Netty handler; one instance per request.
 */
final class ConnectionErrorHandler extends ChannelInboundHandlerAdapter {

  static final String NAME = "fluxtrace.connectionErrors";

  private final Sinks.One<Throwable> errors;
  private final HttpTransport transport;
  private boolean responded;
  private boolean failed;

  ConnectionErrorHandler(Sinks.One<Throwable> errors, HttpTransport transport) {
    this.errors = errors;
    this.transport = transport;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpResponse) {
      responded = true;
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (responded || failed) {
      ctx.fireExceptionCaught(cause);
      return;
    }
    fail(ctx, cause);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (!responded && !failed) {
      fail(ctx, new IOException("Connection closed by the server before the response"));
    }
    ctx.fireChannelInactive();
  }

  private void fail(ChannelHandlerContext ctx, Throwable cause) {
    failed = true;
    // The request's subscriber takes the error here and cancels the request, on this thread.
    boolean taken = errors.tryEmitValue(cause).isSuccess();
    if (taken) {
      transport.connectionError(cause);
    }
    // Marks the request's inbound side disposed, so that the close that follows is not reported once more.
    ChannelOperations<?, ?> operations = ChannelOperations.get(ctx.channel());
    if (operations != null) {
      operations.dispose();
    }
    ctx.close();
  }
}
