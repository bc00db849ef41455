Console.WriteLine("not yet implemented");
