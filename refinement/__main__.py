from refinement.cli import main

main()
