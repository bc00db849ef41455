using KafkaTyped.Tool;

var interactive = !Console.IsOutputRedirected && !Console.IsErrorRedirected;
return await Cli.RunAsync(args, Console.Out, Console.Error, Environment.GetEnvironmentVariable, interactive, handleTermination: true, CancellationToken.None).ConfigureAwait(false);
