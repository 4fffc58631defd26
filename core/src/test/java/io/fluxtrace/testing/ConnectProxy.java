package io.fluxtrace.testing;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jspecify.annotations.NullMarked;
import org.jspecify.annotations.Nullable;
import reactor.netty.resources.LoopResources;

/**
 * A loopback HTTP proxy that only tunnels: it answers {@code CONNECT host:port} with 200, then relays bytes both
 * ways (TLS passes through untouched). Every tunnel goes to 127.0.0.1, at the port asked for, whatever the host. Records every {@code CONNECT} target and its {@code Proxy-Authorization}
 * header. Plain Netty on one event loop thread named {@code connect-proxy-*}, with an allocator that takes no
 * locks, so that it never trips BlockHound. Listens on 127.0.0.1 and a free port; close it after use.
 */
@NullMarked
public final class ConnectProxy implements AutoCloseable {

  /** One tunnel asked for: its target {@code host:port} and the {@code Proxy-Authorization} header, if any. */
  public record Tunnel(String target, @Nullable String authorization) {}

  private final LoopResources loops = LoopResources.create("connect-proxy", 1, 1, true);
  private final List<Tunnel> tunnels = new CopyOnWriteArrayList<>();
  private final Channel server;

  private ConnectProxy() {
    EventLoopGroup group = loops.onServer(false);
    this.server = new ServerBootstrap()
        .group(group)
        .channel(NioServerSocketChannel.class)
        .childOption(ChannelOption.ALLOCATOR, UnpooledByteBufAllocator.DEFAULT)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel channel) {
            channel.pipeline().addLast("codec", new HttpServerCodec());
            channel.pipeline().addLast("aggregator", new HttpObjectAggregator(64 * 1024));
            channel.pipeline().addLast("connect", new ConnectHandler());
          }
        })
        .bind(new InetSocketAddress("127.0.0.1", 0))
        .syncUninterruptibly()
        .channel();
  }

  /** A proxy listening on 127.0.0.1 and a free port. */
  public static ConnectProxy start() {
    return new ConnectProxy();
  }

  /** The port it listens on. */
  public int port() {
    return ((InetSocketAddress) server.localAddress()).getPort();
  }

  /** {@code http://127.0.0.1:<port>}, to configure as a proxy. */
  public URI uri() {
    return URI.create("http://127.0.0.1:" + port());
  }

  /** The tunnels asked for so far, in order. */
  public List<Tunnel> tunnels() {
    return new ArrayList<>(tunnels);
  }

  /** Stops listening and releases its event loop. */
  @Override
  public void close() {
    server.close().syncUninterruptibly();
    loops.disposeLater(Duration.ZERO, Duration.ofSeconds(5)).block(Duration.ofSeconds(10));
  }

  @Override
  public String toString() {
    return "ConnectProxy{127.0.0.1:" + port() + ", tunnels=" + tunnels.size() + '}';
  }

  /** Answers one {@code CONNECT}, then turns the connection into a relay. */
  private final class ConnectHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
      if (!HttpMethod.CONNECT.equals(request.method())) {
        ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.METHOD_NOT_ALLOWED))
            .addListener(ChannelFutureListener.CLOSE);
        return;
      }
      String target = request.uri();
      tunnels.add(new Tunnel(target, request.headers().get(HttpHeaderNames.PROXY_AUTHORIZATION)));
      int colon = target.lastIndexOf(':');
      // Loopback only, whatever host was asked for: a test can use a name that resolves nowhere.
      InetSocketAddress address = new InetSocketAddress("127.0.0.1", Integer.parseInt(target.substring(colon + 1)));
      Channel inbound = ctx.channel();
      inbound.config().setAutoRead(false);
      ChannelFuture connected = new Bootstrap()
          .group(inbound.eventLoop())
          .channel(NioSocketChannel.class)
          .option(ChannelOption.ALLOCATOR, UnpooledByteBufAllocator.DEFAULT)
          .handler(new Relay(inbound))
          .connect(address);
      connected.addListener((ChannelFuture f) -> {
        if (!f.isSuccess()) {
          ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.BAD_GATEWAY))
              .addListener(ChannelFutureListener.CLOSE);
          return;
        }
        Channel outbound = f.channel();
        ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                new HttpResponseStatus(200, "Connection Established")))
            .addListener(written -> {
              ctx.pipeline().remove("aggregator");
              ctx.pipeline().remove("codec");
              ctx.pipeline().replace(this, "relay", new Relay(outbound));
              inbound.config().setAutoRead(true);
            });
      });
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }

  /** Writes whatever one side reads to the other; a close on one side closes the other. */
  private static final class Relay extends ChannelInboundHandlerAdapter {

    private final Channel peer;

    Relay(Channel peer) {
      this.peer = peer;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      peer.writeAndFlush(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      peer.close();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }
}
