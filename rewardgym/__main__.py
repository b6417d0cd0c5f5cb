from rewardgym.cli import main

raise SystemExit(main())
