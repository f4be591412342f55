from khizana.cli import main

main()
