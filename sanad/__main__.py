from sanad.cli import main

main()
