using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using KafkaTyped.IntegrationTests.Consuming;
using KafkaTyped.IntegrationTests.Infrastructure;
using KafkaTyped.IntegrationTests.Messaging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace KafkaTyped.IntegrationTests.Hosting;

/// <summary>
/// A service that starts before its brokers are reachable starts, and connects when Kafka comes back. librdkafka calls
/// the clients' log and error handlers from its own threads while the clients are still being built; handlers that read
/// the client's name then crashed the process with a segmentation fault in most such starts (measured: 14 of 20).
/// </summary>
public sealed class StartupWithKafkaDownTests(ClusterFixture cluster)
{
    private const int Starts = 24;
    private const int AtATime = 2;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_service_started_and_stopped_with_kafka_unreachable_exits_normally_every_time()
    {
        // A crash is a signal (SIGSEGV), which no in-process handler can catch: every start is a child process, the
        // small service of tests/KafkaTyped.StartupProbe (one consumer group and the publisher) pointed at a closed port.
        var probe = Path.Combine(AppContext.BaseDirectory, "KafkaTyped.StartupProbe.dll");
        Assert.True(File.Exists(probe), $"{probe} is built with the solution (referenced by this project).");

        var exits = new List<(int Run, int ExitCode, string Output)>();
        using var gate = new SemaphoreSlim(AtATime);
        var runs = Enumerable.Range(1, Starts).Select(async run =>
        {
            await gate.WaitAsync(Ct);
            try
            {
                var (exitCode, output) = await RunProbeAsync(probe, "127.0.0.1:1");
                lock (exits)
                {
                    exits.Add((run, exitCode, output));
                }
            }
            finally
            {
                gate.Release();
            }
        });
        await Task.WhenAll(runs);

        // Exit code 0: the service started, librdkafka reported the unreachable broker through KafkaTyped's handlers
        // (the probe waits for that), and it stopped. 139 is a segmentation fault, 2 a service that logged nothing.
        var abnormal = exits.Where(e => e.ExitCode != 0).OrderBy(e => e.Run).ToList();
        Assert.True(
            abnormal.Count == 0,
            $"{abnormal.Count} of {Starts} starts ended abnormally: "
                + string.Join("; ", abnormal.Select(e => $"run {e.Run} exit code {e.ExitCode}{(e.ExitCode == 139 ? " (SIGSEGV)" : "")} {e.Output.Trim()}")));
    }

    [Fact]
    public async Task A_service_started_with_kafka_unreachable_connects_and_consumes_once_a_broker_appears_at_its_address()
    {
        // The cluster picks its own ports, so the service's address is a port of this test's: nothing listens there at
        // first, then a TCP forwarder to the cluster's bootstrap server starts on it (the broker "appears"). The
        // bootstrap connection is all that goes through it; the cluster's metadata names the brokers' own addresses.
        var port = FreeLoopbackPort();
        var topic = ClusterFixture.NewTopicName("kafka-down-at-start");
        await cluster.CreateTopicAsync(topic, 2, Ct);
        var recorder = new HandlingRecorder();
        var logs = new LogCapture();
        using var host = KafkaTypedTestHost.Build(
            $"127.0.0.1:{port}", recorder, o => o.Consumers.Add(KafkaTypedTestHost.TestConsumer(cluster.Kind, ClusterFixture.NewGroupId("kafka-down-at-start"), topic)), logs: logs);

        await host.StartAsync(Ct);
        var publisher = host.Services.GetRequiredService<IMessagePublisher>();
        var published = ConsumerHostTests.Publish(publisher, topic, 7);
        await Wait.UntilAsync(() => logs.Entries.Any(e => e.EventId is 301 or 302 && e.Message.Contains($":{port}", StringComparison.Ordinal)), Deadline, "the clients to report the unreachable broker", Ct);
        Assert.False(published.IsCompleted, "A publish waits while no broker is reachable.");

        using var forwarder = TcpForwarder.Start(port, cluster.BootstrapServers.Split(',')[0]);
        await published.WaitAsync(Deadline, Ct);
        await Wait.UntilAsync(() => recorder.Count >= 1, Deadline, "the message published while Kafka was down to be consumed", Ct);
        await host.StopAsync(Ct);

        Assert.Equal(7, Assert.Single(recorder.Snapshot()).Sequence);
    }

    private static async Task<(int ExitCode, string Output)> RunProbeAsync(string probe, string bootstrapServers)
    {
        var start = new ProcessStartInfo(DotnetHost.Path) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(probe);
        start.ArgumentList.Add(bootstrapServers);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(Ct);
        var stderr = process.StandardError.ReadToEndAsync(Ct);
        try
        {
            await process.WaitForExitAsync(Ct).WaitAsync(Deadline, Ct);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            return (-1, "did not exit within " + Deadline);
        }

        return (process.ExitCode, await stdout + await stderr);
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Accepts connections on a loopback port and relays each, both ways, to one target address.</summary>
    private sealed class TcpForwarder : IDisposable
    {
        private readonly TcpListener _listener;
        private readonly string _targetHost;
        private readonly int _targetPort;
        private readonly CancellationTokenSource _stop = new();
        private readonly List<TcpClient> _connections = [];

        private TcpForwarder(int port, string target)
        {
            var colon = target.LastIndexOf(':');
            _targetHost = target[..colon];
            _targetPort = int.Parse(target[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture);
            _listener = new TcpListener(IPAddress.Loopback, port);
            _listener.Start();
            _ = AcceptAsync();
        }

        public static TcpForwarder Start(int port, string target) => new(port, target);

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            lock (_connections)
            {
                foreach (var connection in _connections)
                {
                    connection.Dispose();
                }
            }

            _stop.Dispose();
        }

        private async Task AcceptAsync()
        {
            try
            {
                while (!_stop.IsCancellationRequested)
                {
                    var inbound = await _listener.AcceptTcpClientAsync(_stop.Token);
                    var outbound = new TcpClient();
                    lock (_connections)
                    {
                        _connections.Add(inbound);
                        _connections.Add(outbound);
                    }

                    await outbound.ConnectAsync(_targetHost, _targetPort, _stop.Token);
                    _ = RelayAsync(inbound, outbound);
                    _ = RelayAsync(outbound, inbound);
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                // Stopped: the listener and connections are closed.
            }
        }

        private async Task RelayAsync(TcpClient from, TcpClient to)
        {
            try
            {
                await from.GetStream().CopyToAsync(to.GetStream(), _stop.Token);
                to.Client.Shutdown(SocketShutdown.Send);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or IOException or InvalidOperationException or SocketException)
            {
                // One side closed or the forwarder stopped.
            }
        }
    }
}
