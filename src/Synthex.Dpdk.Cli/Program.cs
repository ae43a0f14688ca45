return 0; // placeholder until this entry point is built
