using System.Net;
using System.Net.Sockets;
using System.Text;

namespace KafkaTyped.IntegrationTests.Infrastructure;

/// <summary>The answer of <see cref="DockerProbe.ProbeAsync"/>.</summary>
/// <param name="IsAvailable">Whether a Docker daemon answered.</param>
/// <param name="Endpoint">The endpoint asked (<c>DOCKER_HOST</c> or the default socket).</param>
/// <param name="Reason">Why it is not available, or what answered.</param>
public sealed record DockerProbeResult(bool IsAvailable, string Endpoint, string Reason);

/// <summary>
/// Asks whether a Docker daemon answers, quickly and without hanging: one <c>GET /_ping</c> on
/// <c>DOCKER_HOST</c> (unix or tcp) or on <c>unix:///var/run/docker.sock</c>, with a short timeout.
/// </summary>
public static class DockerProbe
{
    /// <summary>The endpoint used when <c>DOCKER_HOST</c> is not set.</summary>
    public const string DefaultEndpoint = "unix:///var/run/docker.sock";

    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(2);

    /// <summary>The endpoint a probe asks: <c>DOCKER_HOST</c> if set, else <see cref="DefaultEndpoint"/>.</summary>
    public static string Endpoint =>
        Environment.GetEnvironmentVariable("DOCKER_HOST") is { Length: > 0 } host ? host : DefaultEndpoint;

    /// <summary>Pings the Docker daemon.</summary>
    /// <param name="timeout">Upper bound for the whole probe; 2 seconds when <see langword="null"/>.</param>
    /// <returns>Whether it answered, and why not.</returns>
    public static Task<DockerProbeResult> ProbeAsync(TimeSpan? timeout = null) => ProbeAsync(Endpoint, timeout);

    /// <summary>Pings a Docker daemon at <paramref name="endpoint"/>.</summary>
    /// <param name="endpoint">A <c>unix://</c> or <c>tcp://</c> Docker endpoint.</param>
    /// <param name="timeout">Upper bound for the whole probe; 2 seconds when <see langword="null"/>.</param>
    /// <returns>Whether it answered, and why not.</returns>
    public static async Task<DockerProbeResult> ProbeAsync(string endpoint, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        try
        {
            if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri))
            {
                return new(false, endpoint, $"no Docker daemon answered at {endpoint}: not a valid endpoint URI");
            }

            Socket socket;
            EndPoint target;
            switch (uri.Scheme)
            {
                case "unix":
                    if (!File.Exists(uri.AbsolutePath))
                    {
                        return new(false, endpoint, $"no Docker daemon answered at {endpoint}: no socket at {uri.AbsolutePath}");
                    }

                    socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                    target = new UnixDomainSocketEndPoint(uri.AbsolutePath);
                    break;
                case "tcp":
                    socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
                    target = new DnsEndPoint(uri.Host, uri.Port > 0 ? uri.Port : 2375);
                    break;
                default:
                    return new(false, endpoint, $"no Docker daemon answered at {endpoint}: the probe speaks only unix:// and tcp://");
            }

            using (socket)
            {
                await socket.ConnectAsync(target, cts.Token);
                if (uri.Scheme == "tcp" && Environment.GetEnvironmentVariable("DOCKER_TLS_VERIFY") is { Length: > 0 })
                {
                    return new(true, endpoint, $"a TLS Docker endpoint accepted a connection at {endpoint}");
                }

                var request = Encoding.ASCII.GetBytes("GET /_ping HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n");
                await socket.SendAsync(request, SocketFlags.None, cts.Token);
                var buffer = new byte[256];
                var read = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
                var status = Encoding.ASCII.GetString(buffer, 0, read);
                var firstLine = status.Split('\n', 2)[0].Trim();
                return firstLine.StartsWith("HTTP/1.", StringComparison.Ordinal) && firstLine.Contains(" 200", StringComparison.Ordinal)
                    ? new(true, endpoint, $"Docker daemon answered at {endpoint}")
                    : new(false, endpoint, $"no Docker daemon answered at {endpoint}: unexpected answer '{firstLine}'");
            }
        }
        catch (OperationCanceledException)
        {
            return new(false, endpoint, $"no Docker daemon answered at {endpoint} within {(timeout ?? DefaultTimeout).TotalSeconds:0.#} s");
        }
        catch (SocketException ex)
        {
            return new(false, endpoint, $"no Docker daemon answered at {endpoint}: {ex.Message}");
        }
    }
}
